#![doc = include_str!("../README.md")]

mod generated {
    #![allow(missing_docs, unused_imports, clippy::all, clippy::pedantic)]
    include!(concat!(env!("OUT_DIR"), "/mock.rs"));
}

pub mod answers;
mod path;

pub use generated::{operations, MockServerExt};

/// The wire types the mocks take and answer: `ff-admin-gen`'s generated
/// types, the ones `ff-admin` decodes.
pub use ff_admin_gen::types;

/// The httpmock release the generated mocks are built against.
pub use httpmock;
