//! Ids that go into a URL path.

use std::borrow::Cow;

use crate::SdkError;

/// A value that can be sent as one path segment (an execution id, a
/// waitpoint id).
///
/// Implemented for `str` and `String`, and, with the `ff-core` feature, for
/// ff-core's `ExecutionId`, `WaitpointId`, `FlowId` and `BudgetId`, so calls written against
/// `ff_sdk::admin` keep compiling. The client percent-encodes the value as
/// one segment (`/`, `\`, `%`, `{`, `}`, spaces and non-ASCII are escaped), and
/// rejects `""`, `.` and `..` before sending, since URL normalisation would
/// otherwise send those requests to another route.
pub trait PathId {
    /// The id as text, before encoding.
    fn path_id(&self) -> Cow<'_, str>;
}

impl PathId for str {
    fn path_id(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl PathId for String {
    fn path_id(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl<T: PathId + ?Sized> PathId for &T {
    fn path_id(&self) -> Cow<'_, str> {
        (**self).path_id()
    }
}

#[cfg(feature = "ff-core")]
impl PathId for ff_core::types::ExecutionId {
    fn path_id(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

/// ff-core's UUID ids, sent as their hyphenated text.
#[cfg(feature = "ff-core")]
macro_rules! uuid_path_ids {
    ($($id:ident),*) => {$(
        impl PathId for ff_core::types::$id {
            fn path_id(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}

#[cfg(feature = "ff-core")]
uuid_path_ids!(WaitpointId, FlowId, BudgetId);

/// Returns the id's text (borrowed when the id is text already), or a
/// `Config` error naming `field` when it cannot be sent as one path
/// segment.
pub(crate) fn checked<'a>(
    operation: &str,
    field: &str,
    id: &'a (impl PathId + ?Sized),
) -> Result<Cow<'a, str>, SdkError> {
    let text = id.path_id();
    match text.as_ref() {
        "" => Err(SdkError::config(
            operation,
            Some(field),
            "must not be empty",
        )),
        "." | ".." => Err(SdkError::config(
            operation,
            Some(field),
            format!("`{text}` cannot be sent as a path segment"),
        )),
        _ => Ok(text),
    }
}
