//! The worker pattern, written once: a [`Job`] is one named thread that sends events to whoever
//! watches it, reads Stop / Cancel from a [`RunControl`], reports a progress fraction, wakes the
//! watcher after each event, and turns a panic in its work into an error. Training, the settings
//! search and every other background computation (load, clean, export, an analysis) are jobs.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::error::{Error, Result};

/// Wakes the watcher (the app passes `move || ctx.request_repaint()`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// What a model should do after its current step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Finish now and return the best step so far.
    Stop,
    /// Abandon the run.
    Cancel,
}

/// What the user has asked a running job to do; the work reads it after every step.
#[derive(Debug, Default)]
pub struct RunControl {
    stop: AtomicBool,
    cancel: AtomicBool,
}

impl RunControl {
    /// Finish the current model now, keeping its best step so far.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Abandon the run.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The cancel flag alone, for code that takes one (the file loader).
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }

    /// What a model should do after its current step.
    pub fn control(&self) -> Control {
        if self.is_cancelled() {
            Control::Cancel
        } else if self.stop.load(Ordering::Relaxed) {
            Control::Stop
        } else {
            Control::Continue
        }
    }

    /// A stop applies to one model: later work (cross-validation) runs normally.
    pub fn consume_stop(&self) {
        self.stop.store(false, Ordering::Relaxed);
    }
}

/// Runs `work`, turning a panic into an error so a bug in model code never kills the app.
pub fn catch_panic<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Err(Error::Model(format!("internal error in model code: {msg}")))
    })
}

/// Stack size of every worker thread. Polars plans deep expression trees recursively and wide
/// tables make them deep; the default 2 MiB of a spawned thread is too little for a few
/// thousand columns.
pub const STACK_BYTES: usize = 64 << 20;

/// What a job's work sees: where to send events, what the user asked, where progress goes.
pub struct JobContext<E> {
    tx: Sender<E>,
    control: Arc<RunControl>,
    progress: Arc<AtomicU64>,
    waker: Waker,
}

impl<E> JobContext<E> {
    /// Sends an event and wakes the watcher; false when nobody listens any more (stop then).
    pub fn send(&self, event: E) -> bool {
        let ok = self.tx.send(event).is_ok();
        (self.waker)();
        ok
    }

    /// Sets the progress (0..1) and wakes the watcher.
    pub fn set_progress(&self, fraction: f64) {
        self.progress
            .store(fraction.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
        (self.waker)();
    }

    pub fn control(&self) -> &RunControl {
        &self.control
    }

    pub fn is_cancelled(&self) -> bool {
        self.control.is_cancelled()
    }

    /// The cancel flag alone, for code that takes one (the file loader).
    pub fn cancel_flag(&self) -> &AtomicBool {
        self.control.cancel_flag()
    }
}

/// What happens to a job's thread when its watcher drops it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDrop {
    /// Cancel and wait for the thread: the work checks the control after every step (training).
    CancelAndJoin,
    /// Cancel and leave the thread to end on its own: the work may sit in a call that can't be
    /// interrupted (a polars parse), and the UI must not wait for it.
    CancelAndDetach,
}

/// A running job that sends `E`s.
pub struct Job<E> {
    /// What it is doing, for a status line ("Loading customers.csv").
    pub label: String,
    pub started: Instant,
    events: Receiver<E>,
    control: Arc<RunControl>,
    progress: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
    on_drop: OnDrop,
}

/// What [`Job::try_next`] found.
pub enum Next<E> {
    Event(E),
    /// Nothing yet.
    Empty,
    /// The work has ended and every event has been read.
    Ended,
}

impl<E: Send + 'static> Job<E> {
    /// Runs `work` on a thread named `thread_name` with a large stack ([`STACK_BYTES`]).
    pub fn start(
        thread_name: impl Into<String>,
        label: impl Into<String>,
        on_drop: OnDrop,
        waker: Waker,
        work: impl FnOnce(&JobContext<E>) + Send + 'static,
    ) -> Result<Self> {
        let (tx, rx) = channel();
        let control = Arc::new(RunControl::default());
        let progress = Arc::new(AtomicU64::new(0f64.to_bits()));
        let ctx = JobContext {
            tx,
            control: control.clone(),
            progress: progress.clone(),
            waker,
        };
        let thread = std::thread::Builder::new()
            .name(thread_name.into())
            .stack_size(STACK_BYTES)
            .spawn(move || work(&ctx))
            .map_err(|e| Error::Model(format!("could not start a worker thread: {e}")))?;
        Ok(Self {
            label: label.into(),
            started: Instant::now(),
            events: rx,
            control,
            progress,
            thread: Some(thread),
            on_drop,
        })
    }
}

impl<T: Send + 'static> Job<Result<T>> {
    /// A job that computes one value: its only event is the result (a panic becomes an error).
    /// Dropping it abandons the work ([`OnDrop::CancelAndDetach`]).
    pub fn compute(
        thread_name: impl Into<String>,
        label: impl Into<String>,
        waker: Waker,
        work: impl FnOnce(&JobContext<Result<T>>) -> Result<T> + Send + 'static,
    ) -> Result<Self> {
        Self::start(
            thread_name,
            label,
            OnDrop::CancelAndDetach,
            waker,
            move |ctx| {
                let result = catch_panic(|| work(ctx));
                // A failed send means the watcher dropped the job (cancelled): nobody is left
                // to tell.
                ctx.send(result);
            },
        )
    }
}

impl<E> Job<E> {
    /// Asks the current model to finish now with its best step so far.
    pub fn stop(&self) {
        self.control.stop();
    }

    /// Asks the work to stop at its next step and report Cancelled.
    pub fn cancel(&self) {
        self.control.cancel();
    }

    /// Progress so far, 0..1.
    pub fn progress(&self) -> f64 {
        f64::from_bits(self.progress.load(Ordering::Relaxed))
    }

    /// The next event, if one has come.
    pub fn try_next(&self) -> Next<E> {
        match self.events.try_recv() {
            Ok(e) => Next::Event(e),
            Err(TryRecvError::Empty) => Next::Empty,
            Err(TryRecvError::Disconnected) => Next::Ended,
        }
    }
}

impl<E> Drop for Job<E> {
    fn drop(&mut self) {
        self.cancel();
        if self.on_drop == OnDrop::CancelAndJoin
            && let Some(t) = self.thread.take()
        {
            // The work checks the control after every step, so this returns within one step;
            // a panic in it was already caught and reported as an event.
            #[expect(clippy::let_underscore_must_use, reason = "see the comment above")]
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_waker() -> Waker {
        Arc::new(|| {})
    }

    fn wait<E>(job: &Job<E>) -> Vec<E> {
        let mut out = Vec::new();
        loop {
            match job.try_next() {
                Next::Event(e) => out.push(e),
                Next::Empty => std::thread::sleep(std::time::Duration::from_millis(2)),
                Next::Ended => return out,
            }
        }
    }

    #[test]
    fn a_computed_value_arrives_and_a_panic_becomes_an_error() {
        let job = Job::compute("test:value", "adding", no_waker(), |_| Ok(2 + 2)).unwrap();
        let got = wait(&job);
        assert!(matches!(got.as_slice(), [Ok(4)]));
        let job: Job<Result<i32>> =
            Job::compute("test:panic", "failing", no_waker(), |_| panic!("boom")).unwrap();
        let got = wait(&job);
        assert!(matches!(&got[..], [Err(Error::Model(m))] if m.contains("boom")));
    }

    #[test]
    fn the_thread_is_named_and_cancel_reaches_the_work() {
        let job = Job::start(
            "test:named",
            "waiting",
            OnDrop::CancelAndJoin,
            no_waker(),
            |ctx: &JobContext<String>| {
                ctx.send(std::thread::current().name().unwrap_or("").to_owned());
                while !ctx.is_cancelled() {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                ctx.send("cancelled".into());
            },
        )
        .unwrap();
        job.cancel();
        assert_eq!(wait(&job), ["test:named", "cancelled"]);
    }

    #[test]
    fn stop_is_consumed_cancel_is_not() {
        let c = RunControl::default();
        c.stop();
        assert_eq!(c.control(), Control::Stop);
        c.consume_stop();
        assert_eq!(c.control(), Control::Continue);
        c.cancel();
        c.consume_stop();
        assert_eq!(c.control(), Control::Cancel);
    }
}
