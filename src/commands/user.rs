//! `slawatch user add|disable|list`: the people who may sign in to the web
//! desk with a local account or through the single sign-on proxy. A role
//! and contract scope as an API token's. The password is read from
//! standard input (one line), never from the command line, where other
//! users of the machine could see it.

use std::io::BufRead;

use clap::Subcommand;

use super::Failure;
use crate::config::Config;
use crate::domain::WallClock;
use crate::store::Store;
use crate::store::web::WebUser;

/// `slawatch user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a person; their password is read from standard input.
    Add {
        /// The name they sign in with (as the proxy's header gives it).
        #[arg(long)]
        name: String,
        /// viewer (reads) or manager (also records costs).
        #[arg(long)]
        role: String,
        /// A contract they may see (repeat for more); none: every contract.
        #[arg(long = "contract", value_name = "CONTRACT")]
        contracts: Vec<String>,
        /// No password: they sign in through the single sign-on proxy only.
        #[arg(long)]
        no_password: bool,
    },
    /// Disable a person: their sessions end at once and they cannot sign in.
    Disable {
        /// Their name.
        #[arg(long)]
        name: String,
    },
    /// List everyone, with role, contracts and whether disabled.
    List,
}

/// Runs a `user` subcommand.
pub async fn run(
    config: &Config,
    store: &Store,
    command: UserCommand,
    clock: &WallClock,
) -> Result<(), Failure> {
    let now = clock.now().timestamp();
    match command {
        UserCommand::Add {
            name,
            role,
            contracts,
            no_password,
        } => {
            let name = name.trim().to_string();
            // As the sign-in form reads names: at most 200 characters.
            if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
                return Err(Failure::input(
                    "--name must be a name of at most 200 characters, without control characters",
                ));
            }
            if role != "viewer" && role != "manager" {
                return Err(Failure::input(format!(
                    "--role: '{role}' is not a role of the web desk (viewer or manager)"
                )));
            }
            for c in &contracts {
                if config.contract(c).is_none() {
                    return Err(Failure::input(format!(
                        "--contract: unknown contract '{c}'"
                    )));
                }
            }
            let password_hash = if no_password {
                None
            } else {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(Failure::runtime)?;
                let password = line.trim_end_matches(['\r', '\n']);
                if password.chars().count() < 12 {
                    return Err(Failure::input(
                        "the password (one line on standard input) must be at least 12 characters",
                    ));
                }
                Some(
                    crate::web::password::hash(password)
                        .map_err(|e| Failure::runtime(anyhow::anyhow!(e)))?,
                )
            };
            let user = WebUser {
                name: name.clone(),
                role: role.clone(),
                contracts: (!contracts.is_empty()).then_some(contracts),
                password_hash,
                created_at: now,
                disabled_at: None,
            };
            if !store.add_web_user(&user).await.map_err(Failure::runtime)? {
                return Err(Failure::input(format!("a user '{name}' exists already")));
            }
            println!("added {name} ({role})");
            Ok(())
        }
        UserCommand::Disable { name } => {
            if !store
                .disable_web_user(&name, now)
                .await
                .map_err(Failure::runtime)?
            {
                return Err(Failure::input(format!("no user '{name}'")));
            }
            println!("disabled {name}; their sessions are ended");
            Ok(())
        }
        UserCommand::List => {
            for u in store.web_users().await.map_err(Failure::runtime)? {
                let contracts = u
                    .contracts
                    .map_or_else(|| "every contract".to_string(), |c| c.join(","));
                let sign_in = if u.password_hash.is_some() {
                    "password"
                } else {
                    "proxy only"
                };
                let state = if u.disabled_at.is_some() {
                    "disabled"
                } else {
                    "enabled"
                };
                println!("{}\t{}\t{contracts}\t{sign_in}\t{state}", u.name, u.role);
            }
            Ok(())
        }
    }
}
