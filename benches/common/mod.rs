//! What the benchmarks share.

/// This process's resident memory, in MiB.
#[allow(dead_code)] // not every bench measures memory
pub fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// "median, p99, max (n samples)" of latencies, in milliseconds.
#[allow(dead_code)] // not every bench measures latencies
pub fn figures(mut v: Vec<std::time::Duration>) -> String {
    v.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    format!(
        "median {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} samples)",
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 99 / 100).min(v.len() - 1)]),
        ms(v[v.len() - 1]),
        v.len()
    )
}
