//! The inbox folder as the supplier can shape it. The supplier writes here,
//! so every entry is reached through the folder's own descriptor and never
//! through a link: a file named `x.csv` that is a link to the daemon's
//! environment or its database is refused, not read; an `.errors.txt` or
//! `processed/` planted as a link is replaced or refused, never written
//! through; and a file is moved with a rename that cannot overwrite.
//!
//! The folder itself is the operator's choice (its configured path may be a
//! link); only what is inside it is the supplier's.

use std::fs::File;
use std::io::{self, Write as _};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags, Stat};

use super::files::PROCESSED;

/// What identifies one version of a file between looks at it: which file
/// (device and inode, so a file swapped for another of the same size is
/// noticed), how long, and when last written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    dev: u64,
    ino: u64,
    /// Its size in bytes.
    pub len: u64,
    /// Its modification time (seconds, nanoseconds since the epoch).
    pub modified: (i64, i64),
}

impl Stamp {
    fn of(stat: &Stat) -> Stamp {
        Stamp {
            dev: stat.st_dev,
            ino: stat.st_ino,
            len: u64::try_from(stat.st_size).unwrap_or(0),
            modified: (
                stat.st_mtime,
                i64::try_from(stat.st_mtime_nsec).unwrap_or(0),
            ),
        }
    }

    /// How long ago the file was last written, by the machine's clock (file
    /// times are the machine's, whatever clock the daemon runs on).
    pub fn age(&self) -> std::time::Duration {
        let modified = std::time::UNIX_EPOCH
            + std::time::Duration::new(
                u64::try_from(self.modified.0).unwrap_or(0),
                u32::try_from(self.modified.1).unwrap_or(0),
            );
        std::time::SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default()
    }
}

/// How the open file `file` is now.
pub(super) fn stamp_of(file: &File) -> io::Result<Stamp> {
    Ok(Stamp::of(&rustix::fs::fstat(file)?))
}

/// One entry of the folder, looked at without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    /// A regular file, as it is now.
    File(Stamp),
    /// A symbolic link: never followed.
    Link,
    /// A folder, pipe, socket or device: never read.
    NotAFile,
}

impl Entry {
    /// Why an entry that is not a regular file is not taken.
    pub fn refusal(&self) -> Option<&'static str> {
        match self {
            Entry::File(_) => None,
            Entry::Link => {
                Some("is a symbolic link, which an inbox never follows: copy the file itself in")
            }
            Entry::NotAFile => Some("is not a regular file"),
        }
    }
}

/// The open inbox folder.
#[derive(Debug)]
pub(super) struct Folder {
    fd: OwnedFd,
    path: PathBuf,
}

/// How many files of one name `processed/` takes (`name.csv` to
/// `name-10000.csv`) before a move is refused.
const MOST_COPIES: u32 = 10_000;

/// Tells apart the temporary files of one process's writes.
static TEMPORARY: AtomicU64 = AtomicU64::new(0);

impl Folder {
    /// Opens the folder, making it first if it is missing.
    pub fn open(path: &Path) -> io::Result<Folder> {
        std::fs::create_dir_all(path)?;
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Folder {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// The names of the entries in the folder.
    /// A name that is not UTF-8 is left out: no interchange file is named so.
    pub fn names(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&self.path)? {
            if let Ok(name) = entry?.file_name().into_string() {
                names.push(name);
            }
        }
        Ok(names)
    }

    /// What the entry `name` is now, without following it; `None` once it
    /// has gone.
    pub fn entry(&self, name: &str) -> io::Result<Option<Entry>> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(match FileType::from_raw_mode(stat.st_mode) {
                FileType::RegularFile => Entry::File(Stamp::of(&stat)),
                FileType::Symlink => Entry::Link,
                _ => Entry::NotAFile,
            })),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Opens the regular file `name` for reading, refusing a link (even one
    /// swapped in since it was listed) and never waiting on a pipe.
    pub fn open_file(&self, name: &str) -> io::Result<(File, Stamp)> {
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::LOOP => {
                io::Error::other("it is a symbolic link, which an inbox never follows")
            }
            e => e.into(),
        })?;
        let stat = rustix::fs::fstat(&fd)?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err(io::Error::other("it is not a regular file"));
        }
        Ok((File::from(fd), Stamp::of(&stat)))
    }

    /// Writes `text` as the file `name`: to a new hidden file first, renamed
    /// over `name`, so a link planted under that name is replaced rather than
    /// written through, and nothing that exists is truncated.
    pub fn write_text(&self, name: &str, text: &str) -> io::Result<()> {
        let temporary = format!(
            ".{name}.{}-{}.tmp",
            std::process::id(),
            TEMPORARY.fetch_add(1, Ordering::Relaxed)
        );
        let fd = rustix::fs::openat(
            &self.fd,
            &temporary,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o644),
        )?;
        let written = File::from(fd).write_all(text.as_bytes()).and_then(|()| {
            rustix::fs::renameat(&self.fd, &temporary, &self.fd, name).map_err(io::Error::from)
        });
        if written.is_err() {
            let _ = rustix::fs::unlinkat(&self.fd, &temporary, AtFlags::empty());
        }
        written
    }

    /// Removes the entry `name` (a link itself, never what it points to);
    /// one already gone is fine.
    pub fn remove(&self, name: &str) -> io::Result<()> {
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// `processed/`, made if missing; refused if it is a link or not a folder.
    pub fn processed(&self) -> io::Result<OwnedFd> {
        match rustix::fs::mkdirat(&self.fd, PROCESSED, Mode::from_raw_mode(0o755)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(e.into()),
        }
        rustix::fs::openat(
            &self.fd,
            PROCESSED,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => io::Error::other(format!(
                "{} is not a folder (a link is never followed): remove it",
                self.path.join(PROCESSED).display()
            )),
            e => e.into(),
        })
    }

    /// Moves the file `name` into `processed/`, under a new name
    /// (`name-2.csv` …) if its own is taken there; never overwrites.
    /// Returns the name it was given.
    pub fn move_to_processed(&self, name: &str) -> io::Result<String> {
        let processed = self.processed()?;
        let (stem, ext) = match name.rsplit_once('.') {
            Some((stem, ext)) => (stem.to_string(), format!(".{ext}")),
            None => (name.to_string(), String::new()),
        };
        let mut target = name.to_string();
        for n in 2..=MOST_COPIES {
            match rustix::fs::renameat_with(
                &self.fd,
                name,
                &processed,
                &target,
                RenameFlags::NOREPLACE,
            ) {
                Ok(()) => return Ok(target),
                Err(rustix::io::Errno::EXIST) => target = format!("{stem}-{n}{ext}"),
                Err(e) => return Err(e.into()),
            }
        }
        Err(io::Error::other(format!(
            "{PROCESSED}/ already holds {MOST_COPIES} files named like {name}: clear it out"
        )))
    }

    /// The path of the entry `name`, for messages.
    pub fn path_of(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}
