//! A background task: one named worker thread that computes a value, with a progress fraction,
//! a cancel flag and a waker; the UI polls it once per frame and never blocks on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Instant;

use crate::error::{Error, Result};

/// Wakes the UI (it passes `move || ctx.request_repaint()`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// What the work sees of its task: progress to set, cancel to check.
#[derive(Clone)]
pub struct TaskContext {
    cancel: Arc<AtomicBool>,
    progress: Arc<AtomicU64>,
    waker: Waker,
}

impl TaskContext {
    /// Sets the progress (0..1) and wakes the UI.
    pub fn set_progress(&self, fraction: f64) {
        self.progress
            .store(fraction.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
        (self.waker)();
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }
}

/// A running background computation of a `T`.
pub struct Task<T> {
    /// What it is doing, for the status line ("Loading customers.csv").
    pub label: String,
    pub started: Instant,
    rx: Receiver<Result<T>>,
    cancel: Arc<AtomicBool>,
    progress: Arc<AtomicU64>,
}

impl<T: Send + 'static> Task<T> {
    /// Runs `work` on a thread named `thread_name`. A panic in `work` becomes an error.
    pub fn spawn(
        thread_name: &str,
        label: impl Into<String>,
        waker: Waker,
        work: impl FnOnce(&TaskContext) -> Result<T> + Send + 'static,
    ) -> Result<Self> {
        let (tx, rx) = channel();
        let ctx = TaskContext {
            cancel: Arc::new(AtomicBool::new(false)),
            progress: Arc::new(AtomicU64::new(0f64.to_bits())),
            waker,
        };
        let task = Self {
            label: label.into(),
            started: Instant::now(),
            rx,
            cancel: ctx.cancel.clone(),
            progress: ctx.progress.clone(),
        };
        std::thread::Builder::new()
            .name(thread_name.to_owned())
            .spawn(move || {
                let result = crate::train::catch_panic(|| work(&ctx));
                // The UI may have dropped the task (cancelled); nothing to report then.
                let _ = tx.send(result);
                (ctx.waker)();
            })
            .map_err(|e| Error::Model(format!("could not start a worker thread: {e}")))?;
        Ok(task)
    }
}

impl<T> Task<T> {
    /// Progress so far, 0..1.
    pub fn progress(&self) -> f64 {
        f64::from_bits(self.progress.load(Ordering::Relaxed))
    }

    /// Asks the work to stop; it reports [`Error::Cancelled`] at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The result, once there is one.
    pub fn poll(&self) -> Option<Result<T>> {
        match self.rx.try_recv() {
            Ok(r) => Some(r),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(Error::Model(
                "the worker stopped without an answer".into(),
            ))),
        }
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        // Dropping a task abandons it: tell the work to stop; the thread ends on its own.
        self.cancel();
    }
}
