use std::fmt;

/// The Python exception class an error surfaces as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    ValueError,
    TypeError,
    IndexError,
    /// `numpy.exceptions.AxisError` (a ValueError and an IndexError).
    AxisError,
    OverflowError,
    /// Something NumPy does that npcompile does not compile (yet): a graph break.
    Unsupported,
    /// A compiler bug.
    Internal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrError {
    pub kind: ErrorKind,
    pub message: String,
}

impl IrError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        IrError {
            kind,
            message: message.into(),
        }
    }
    pub fn value(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ValueError, message)
    }
    pub fn type_(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::TypeError, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }
}

impl fmt::Display for IrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for IrError {}

pub type Result<T> = std::result::Result<T, IrError>;
