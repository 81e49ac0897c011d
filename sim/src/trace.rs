//! The run trace: one line per event, stamped with virtual time since the start of the run,
//! so that a whole trace is a stable snapshot. Formatting is skipped entirely when the trace
//! is off (sweeps), which is most of the simulator's speed.

/// Collected trace lines (or nothing, when tracing is off).
#[derive(Debug, Clone, Default)]
pub struct Trace {
    lines: Option<Vec<String>>,
}

/// Formats a virtual time offset as `  12.345s`.
pub fn fmt_time(ms: u64) -> String {
    format!("{:>4}.{:03}s", ms / 1000, ms % 1000)
}

impl Trace {
    /// A trace that records (`on`) or discards everything.
    pub fn new(on: bool) -> Self {
        Trace {
            lines: on.then(Vec::new),
        }
    }

    /// Whether lines are being recorded.
    pub fn is_on(&self) -> bool {
        self.lines.is_some()
    }

    /// Records a line at `ms` since the start; `text` is only called when tracing is on.
    pub fn log(&mut self, ms: u64, text: impl FnOnce() -> String) {
        if let Some(lines) = &mut self.lines {
            lines.push(format!("{}  {}", fmt_time(ms), text()));
        }
    }

    /// The lines recorded so far.
    pub fn lines(&self) -> &[String] {
        self.lines.as_deref().unwrap_or(&[])
    }

    /// The last `n` lines.
    pub fn tail(&self, n: usize) -> &[String] {
        let l = self.lines();
        &l[l.len().saturating_sub(n)..]
    }
}
