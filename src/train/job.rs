//! A worker thread that streams events to the UI: named, woken after each event, stopped and
//! cancelled through a [`RunControl`], its panics turned into errors, joined when dropped.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;

use polars::prelude::DataFrame;

use super::{Detail, RunControl, TrainEvent, Waker, catch_panic, run};
use crate::data::recipe::Recipe;
use crate::error::{Error, Result};
use crate::ml::ModelSettings;

/// A running job that sends `E`s.
pub struct Job<E> {
    pub events: Receiver<E>,
    control: Arc<RunControl>,
    thread: Option<JoinHandle<()>>,
}

/// A training run on its own thread.
pub type TrainJob = Job<TrainEvent>;

impl<E: Send + 'static> Job<E> {
    /// Runs `work` on a thread named `name`; it sends events through its first argument (false
    /// back means nobody listens any more) and reads Stop / Cancel from the second.
    pub fn start(
        name: String,
        waker: Waker,
        work: impl FnOnce(&mut dyn FnMut(E) -> bool, &RunControl) + Send + 'static,
    ) -> Result<Self> {
        let (tx, rx) = channel();
        let control = Arc::new(RunControl::default());
        let flag = control.clone();
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                let mut send = |e: E| {
                    let ok = tx.send(e).is_ok();
                    waker();
                    ok
                };
                work(&mut send, &flag);
            })
            .map_err(|e| Error::Model(format!("could not start a worker thread: {e}")))?;
        Ok(Self {
            events: rx,
            control,
            thread: Some(thread),
        })
    }
}

impl<E> Job<E> {
    /// Asks the current model to finish now with its best step so far.
    pub fn stop(&self) {
        self.control.stop();
    }

    /// Asks the run to stop at its next step and report Cancelled.
    pub fn cancel(&self) {
        self.control.cancel();
    }
}

impl TrainJob {
    /// Starts training on a thread named `train:<model>`; `waker` is called after each event.
    pub fn spawn(
        raw: DataFrame,
        recipe: Recipe,
        settings: ModelSettings,
        waker: Waker,
    ) -> Result<Self> {
        let name = format!("train:{}", settings.model.map_or("auto", |m| m.cli_name()));
        Self::start(name, waker, move |send, control| {
            let result =
                catch_panic(|| run(&raw, &recipe, &settings, Detail::Insights, send, control));
            send(TrainEvent::Finished(result.map(Box::new)));
        })
    }
}

impl<E> Drop for Job<E> {
    fn drop(&mut self) {
        self.cancel();
        if let Some(t) = self.thread.take() {
            // The work checks the control after every step, so this returns within one step.
            let _ = t.join();
        }
    }
}
