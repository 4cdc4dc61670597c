//! Benchmarks of ff-admin live in `benches/`.
