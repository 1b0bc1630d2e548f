//! The crate's one error type: an opaque [`Error`] with a [`ErrorKind`] and a human message.

use alloc::string::String;
use core::fmt;

/// What went wrong, broadly. More kinds may be added later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration value is out of range or settings contradict each other.
    InvalidConfig,
    /// A snapshot is truncated, corrupt, of an unknown version, or exceeds its bounds.
    InvalidSnapshot,
}

/// An error with a message that says what was seen and what was needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    #[cold]
    pub(crate) fn config(message: String) -> Self {
        Error { kind: ErrorKind::InvalidConfig, message }
    }

    #[cold]
    pub(crate) fn snapshot(message: String) -> Self {
        Error { kind: ErrorKind::InvalidSnapshot, message }
    }

    /// The broad kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human message, without the kind prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::InvalidConfig => "invalid detector configuration",
            ErrorKind::InvalidSnapshot => "invalid detector snapshot",
        };
        write!(f, "{what}: {}", self.message)
    }
}

#[cfg(feature = "std")]
extern crate std;
#[cfg(feature = "std")]
impl std::error::Error for Error {}
