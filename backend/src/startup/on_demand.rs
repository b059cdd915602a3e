//! A worker's HTTP service, made when a connection arrives and let go once the worker has had no
//! connection for a while, so that a quiet worker runs no timer. actix-http starts a clock for
//! the `Date` header with every service it makes, and that clock wakes the worker's thread about
//! four times a second for as long as the service lives, busy or not (issue #20: an idle
//! instance wakes at most once a second, everything counted).

use std::cell::RefCell;
use std::fmt::Debug;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_service::{Service, ServiceFactory};
use futures_util::future::{ready, LocalBoxFuture, Ready};
use tokio::sync::Notify;

/// How long a worker keeps its service after its last connection closed. A connection that
/// comes later waits for a new one to be made (the application, with its routes, twice: one for
/// requests, one inside the websocket upgrade).
pub const LINGER: Duration = Duration::from_secs(10);

/// A factory of on-demand services: `make` gives the real service factory, called on the worker
/// each time its service is needed again.
pub struct OnDemand<F> {
    make: F,
    linger: Duration,
}

impl<F> OnDemand<F> {
    pub fn new(make: F, linger: Duration) -> Self {
        Self { make, linger }
    }
}

/// What one worker has: its service if it holds one now, and its open connections.
struct Worker<S> {
    service: Option<Rc<S>>,
    open: usize,
    last_closed: Instant,
}

/// One worker's service: makes the real one on the first connection, and lets it go (and with
/// it actix-http's clock) `linger` after the last connection closed.
pub struct Lazy<F, S> {
    make: F,
    worker: Rc<RefCell<Worker<S>>>,
    /// Told when the last open connection closes.
    quiet: Arc<Notify>,
    keeper: tokio::task::JoinHandle<()>,
}

impl<F, S> Drop for Lazy<F, S> {
    fn drop(&mut self) {
        self.keeper.abort();
    }
}

impl<F, SF, Io> ServiceFactory<Io> for OnDemand<F>
where
    F: Fn() -> SF + Clone + 'static,
    SF: ServiceFactory<Io, Config = ()> + 'static,
    SF::Service: 'static,
    SF::Response: Default,
    SF::InitError: Debug,
    Io: 'static,
{
    type Response = SF::Response;
    type Error = SF::Error;
    type Config = ();
    type Service = Lazy<F, SF::Service>;
    type InitError = SF::InitError;
    type Future = Ready<Result<Self::Service, Self::InitError>>;

    /// Called on the worker's thread, inside its runtime.
    fn new_service(&self, _: ()) -> Self::Future {
        let worker = Rc::new(RefCell::new(Worker {
            service: None,
            open: 0,
            last_closed: Instant::now(),
        }));
        let quiet = Arc::new(Notify::new());
        let keeper = tokio::task::spawn_local(let_go_when_quiet(
            Rc::clone(&worker),
            Arc::clone(&quiet),
            self.linger,
        ));
        ready(Ok(Lazy {
            make: self.make.clone(),
            worker,
            quiet,
            keeper,
        }))
    }
}

/// Waits (without a timer) until the last connection closes, then lets the service go if no
/// connection came in the `linger` after it.
async fn let_go_when_quiet<S>(
    worker: Rc<RefCell<Worker<S>>>,
    quiet: Arc<Notify>,
    linger: Duration,
) {
    loop {
        quiet.notified().await;
        loop {
            let deadline = {
                let worker = worker.borrow();
                if worker.open > 0 || worker.service.is_none() {
                    break;
                }
                worker.last_closed + linger
            };
            tokio::time::sleep_until(deadline.into()).await;
            let mut worker = worker.borrow_mut();
            if worker.open == 0 && Instant::now() >= worker.last_closed + linger {
                worker.service = None;
                break;
            }
        }
    }
}

/// Counts a connection as open for as long as it lives.
struct Open<S> {
    worker: Rc<RefCell<Worker<S>>>,
    quiet: Arc<Notify>,
}

impl<S> Open<S> {
    fn new(worker: &Rc<RefCell<Worker<S>>>, quiet: &Arc<Notify>) -> Self {
        worker.borrow_mut().open += 1;
        Self {
            worker: Rc::clone(worker),
            quiet: Arc::clone(quiet),
        }
    }
}

impl<S> Drop for Open<S> {
    fn drop(&mut self) {
        let mut worker = self.worker.borrow_mut();
        worker.open = worker.open.saturating_sub(1);
        if worker.open == 0 {
            worker.last_closed = Instant::now();
            self.quiet.notify_one();
        }
    }
}

impl<F, SF, Io> Service<Io> for Lazy<F, SF::Service>
where
    F: Fn() -> SF + Clone + 'static,
    SF: ServiceFactory<Io, Config = ()> + 'static,
    SF::Service: 'static,
    SF::Response: Default,
    SF::InitError: Debug,
    Io: 'static,
{
    type Response = SF::Response;
    type Error = SF::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let service = self.worker.borrow().service.clone();
        match service {
            Some(service) => service.poll_ready(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn call(&self, io: Io) -> Self::Future {
        let open = Open::new(&self.worker, &self.quiet);
        let make = self.make.clone();
        Box::pin(async move {
            // Looked at when the connection is first served, not when it was accepted, so that
            // connections accepted together use the one the first of them made.
            let made = open.worker.borrow().service.clone();
            let service = match made {
                Some(service) => service,
                None => match make().new_service(()).await {
                    // Should two be made (a factory that takes its time), the first kept is
                    // the one used.
                    Ok(service) => Rc::clone(
                        open.worker
                            .borrow_mut()
                            .service
                            .get_or_insert_with(|| Rc::new(service)),
                    ),
                    Err(error) => {
                        tracing::error!(?error, "the worker could not make its HTTP service");
                        return Ok(SF::Response::default());
                    }
                },
            };
            let outcome = service.call(io).await;
            drop(open);
            outcome
        })
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use actix_service::fn_service;

    use super::*;

    /// A service that counts how many are alive, as actix-http's clock would live and die.
    struct Counted(Rc<Cell<usize>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() - 1);
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_service_is_made_on_demand_and_let_go_when_quiet() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let alive = Rc::new(Cell::new(0usize));
                let made = Rc::new(Cell::new(0usize));
                let (alive_in, made_in) = (alive.clone(), made.clone());
                let make = move || {
                    let (alive, made) = (alive_in.clone(), made_in.clone());
                    actix_service::fn_factory(move || {
                        let (alive, made) = (alive.clone(), made.clone());
                        async move {
                            alive.set(alive.get() + 1);
                            made.set(made.get() + 1);
                            let counted = Rc::new(Counted(alive));
                            Ok::<_, ()>(fn_service(move |hold: Duration| {
                                let _service_lives = &counted;
                                async move {
                                    tokio::time::sleep(hold).await;
                                    Ok::<(), ()>(())
                                }
                            }))
                        }
                    })
                };
                let linger = Duration::from_millis(100);
                let service = OnDemand::new(make, linger).new_service(()).await.unwrap();
                assert_eq!(made.get(), 0, "nothing is made before a connection comes");

                // Two connections at once share one service, which outlives them by `linger`.
                let (a, b) = tokio::join!(
                    service.call(Duration::from_millis(50)),
                    service.call(Duration::from_millis(80))
                );
                a.unwrap();
                b.unwrap();
                assert_eq!((made.get(), alive.get()), (1, 1));
                // Each connection puts the letting go off: `linger` after the last one closed.
                for _ in 0..3 {
                    tokio::time::sleep(linger * 3 / 4).await;
                    service.call(Duration::ZERO).await.unwrap();
                    assert_eq!(
                        (made.get(), alive.get()),
                        (1, 1),
                        "kept while connections come"
                    );
                }

                // Quiet for longer than `linger`: let go, and made again for the next one.
                tokio::time::sleep(linger * 2).await;
                assert_eq!(alive.get(), 0, "let go once quiet");
                service.call(Duration::ZERO).await.unwrap();
                assert_eq!((made.get(), alive.get()), (2, 1), "made again when needed");

                // A long connection keeps it however long it lasts.
                service.call(linger * 3).await.unwrap();
                assert_eq!(alive.get(), 1, "kept while a connection is open");
                drop(service);
            })
            .await;
    }
}
