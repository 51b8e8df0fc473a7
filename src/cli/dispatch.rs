//! From a parsed command line to the command that does the work.

use super::{Cli, Command};
use crate::commands::*;

/// Runs a parsed command line.
pub async fn dispatch(cli: Cli) -> Result<(), Failure> {
    let clock = cli.clock();
    match cli.command {
        Command::Check { contract } => check::run(&cli.config, contract.as_deref()),
        Command::Import {
            files,
            correct: _,
            by,
            reason,
        } => {
            let writer = import::writer(by.as_deref(), reason.as_deref())?;
            let (config, store) = open(&cli.config).await?;
            import::run(&config, &store, &files, &writer, &clock).await
        }
        Command::History {
            contract,
            incident,
            outage,
            work_item,
            format,
        } => {
            use crate::store::versions::Record;
            let record = match (incident, outage, work_item) {
                (Some(id), _, _) => Record::Incident(id),
                (_, Some(id), _) => Record::Outage(id),
                (_, _, Some(id)) => Record::WorkItem(id),
                // The argument group requires one of them.
                (None, None, None) => {
                    return Err(Failure::input("give --incident, --outage or --work-item"));
                }
            };
            let (config, store) = open(&cli.config).await?;
            history::run(&config, &store, &contract, &record, format).await
        }
        Command::Evaluate {
            contract,
            month,
            format,
            seen,
        } => {
            let (config, store) = open(&cli.config).await?;
            evaluate::run(&config, &store, &contract, &month, format, &seen, &clock).await
        }
        Command::Report {
            contract,
            month,
            format,
            out,
            seen,
            reissue,
        } => {
            let (config, store) = open(&cli.config).await?;
            report::run(
                &config,
                &store,
                &contract,
                &month,
                format,
                out.as_deref(),
                &seen,
                reissue,
                &clock,
            )
            .await
        }
        Command::Pack {
            from,
            to,
            contract,
            format,
            out,
            issue,
        } => {
            let (config, store) = open(&cli.config).await?;
            let req = crate::commands::pack::PackRequest {
                from: &from,
                to: &to,
                contract: contract.as_deref(),
                format,
                out: out.as_deref(),
                issue,
            };
            crate::commands::pack::run(&config, &store, req, &clock).await
        }
        Command::Cause {
            contract,
            outage,
            incident,
            cause,
            by,
            why,
        } => {
            let (config, store) = open(&cli.config).await?;
            let req = crate::commands::cause::CauseRequest {
                contract: &contract,
                outage: outage.as_deref(),
                incident: incident.as_deref(),
                cause: &cause,
                by: &by,
                why: &why,
            };
            crate::commands::cause::run(&config, &store, req, &clock).await
        }
        Command::Notice {
            contract,
            trigger,
            month,
            format,
            out,
        } => {
            let (config, store) = open(&cli.config).await?;
            let args = notice::NoticeArgs {
                contract,
                trigger,
                month,
                format,
                out,
            };
            notice::run(&config, &store, args, &clock).await
        }
        Command::Issue {
            contract,
            month,
            reissue,
            by,
        } => {
            let (config, store) = open(&cli.config).await?;
            issue::run(
                &config,
                &store,
                contract.as_deref(),
                month.as_deref(),
                reissue,
                by.as_deref(),
                &clock,
            )
            .await
        }
        Command::Approve {
            contract,
            month,
            by,
        } => {
            let (config, store) = open(&cli.config).await?;
            approve::run(&config, &store, &contract, &month, &by, &clock).await
        }
        Command::Issued {
            contract,
            month,
            version,
            out,
        } => {
            let (config, store) = open(&cli.config).await?;
            issued::run(&config, &store, &contract, &month, version, out.as_deref()).await
        }
        Command::Cost { action } => {
            let (config, store) = open(&cli.config).await?;
            cost::run(&config, &store, action, &clock).await
        }
        Command::Evidence { action } => {
            let (config, store) = open(&cli.config).await?;
            evidence::run(&config, &store, action, &clock).await
        }
        Command::CreditNote { action } => {
            let (config, store) = open(&cli.config).await?;
            credit_note::run(&config, &store, action, &clock).await
        }
        Command::Excuse {
            contract,
            target,
            from,
            until,
            reason,
            by,
        } => {
            let (config, store) = open(&cli.config).await?;
            let during = excuse::During {
                from: from.as_deref(),
                until: until.as_deref(),
            };
            excuse::excuse(
                &config, &store, &contract, &target, during, &reason, &by, &clock,
            )
            .await
        }
        Command::Unexcuse {
            contract,
            target,
            id,
            reason,
            by,
        } => {
            let (config, store) = open(&cli.config).await?;
            excuse::unexcuse(
                &config, &store, &contract, &target, id, &reason, &by, &clock,
            )
            .await
        }
        Command::Excusals { contract, format } => {
            let (config, store) = open(&cli.config).await?;
            excuse::list(&config, &store, &contract, format).await
        }
        Command::DrTest { action } => {
            let (config, store) = open(&cli.config).await?;
            dr::run(&config, &store, action, &clock).await
        }
        Command::DrAssurance { action } => {
            let (config, store) = open(&cli.config).await?;
            dr::run_assurance(&config, &store, action, &clock).await
        }
        Command::Dispute { action } => {
            let (config, store) = open(&cli.config).await?;
            dispute::run(&config, &store, action, &clock).await
        }
        Command::Audit {
            contract,
            month,
            format,
        } => {
            let (config, store) = open(&cli.config).await?;
            audit::run(&config, &store, &contract, month.as_deref(), format, &clock).await
        }
        Command::Verify { contract, format } => {
            let (config, store) = open(&cli.config).await?;
            verify::run(&config, &store, contract.as_deref(), format).await
        }
        Command::Generate {
            out,
            seed,
            incidents,
            from,
            months,
            contracts,
        } => generate::run(
            &cli.config,
            &generate::GenerateArgs {
                out,
                seed,
                incidents,
                from,
                months,
                contracts,
            },
            &clock,
        ),
        Command::Run { log_format: _ } => {
            let (config, store) = open(&cli.config).await?;
            run::run(config, store, clock).await
        }
        Command::Demo { no_daemon } => {
            let (config, store) = open(&cli.config).await?;
            demo::run(config, store, !no_daemon, clock).await
        }
        Command::Actions { command } => {
            let (config, store) = open(&cli.config).await?;
            actions::run(&config, &store, command, &clock).await
        }
        Command::User { command } => {
            let (config, store) = open(&cli.config).await?;
            user::run(&config, &store, command, &clock).await
        }
        Command::Commitment { command } => {
            let (config, store) = open(&cli.config).await?;
            commitment::run(&config, &store, command, &clock).await
        }
        Command::Bench {
            incidents,
            contracts,
            dir,
            database_url,
        } => {
            bench::run(
                &bench::BenchArgs {
                    incidents,
                    contracts,
                    dir,
                    database_url,
                },
                &clock,
            )
            .await
        }
        Command::BenchWebhook {
            seconds,
            clients,
            batch,
            dir,
        } => {
            bench_webhook::run(&bench_webhook::BenchWebhookArgs {
                seconds,
                clients,
                batch,
                dir,
            })
            .await
        }
        Command::MigrateStore { from, to, replace } => {
            migrate_store::run(&from, &to, replace).await
        }
    }
}
