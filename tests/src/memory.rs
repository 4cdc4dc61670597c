//! The process's memory figures on Linux, for the tests that bound what a
//! call may hold: resident size, its peak, and a reset of the peak.

/// A `/proc/self/status` figure in bytes (`VmRSS:`, `VmHWM:`). Panics when
/// the file or the field is missing.
pub fn proc_status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"));
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("a number of kB");
    kib * 1024
}

/// Resets the peak (`VmHWM`) to the current resident size (Linux 4.0 or
/// later).
pub fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM (Linux >= 4.0)");
}

/// The number of file descriptors the process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}
