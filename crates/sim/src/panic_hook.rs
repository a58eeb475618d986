//! Catching panics of simulated code quietly, with their location.
//!
//! A process-wide panic hook is installed once. While the current thread runs simulated code
//! (a thread-local flag is set), the hook records the panic's location and message in a
//! thread-local and prints nothing; otherwise it hands the panic to the hook that was
//! installed before it, so ordinary panics elsewhere in the process look as usual.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;

thread_local! {
    static INSIDE_SIM: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<CaughtPanic>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// A panic caught while running simulated code.
#[derive(Debug, Clone)]
pub(crate) struct CaughtPanic {
    pub(crate) message: String,
    pub(crate) location: Option<String>,
}

/// Installs the hook (once per process).
pub(crate) fn install() {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            if INSIDE_SIM.with(Cell::get) {
                let caught = CaughtPanic {
                    message: payload_message(info.payload()),
                    location: info
                        .location()
                        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
                };
                LAST_PANIC.with(|slot| *slot.borrow_mut() = Some(caught));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f` as simulated code: a panic is caught, kept quiet and returned with its location.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, CaughtPanic> {
    install();
    let was_inside = INSIDE_SIM.with(|flag| flag.replace(true));
    LAST_PANIC.with(|slot| slot.borrow_mut().take());
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    INSIDE_SIM.with(|flag| flag.set(was_inside));
    result.map_err(|payload| {
        let hooked = LAST_PANIC.with(|slot| slot.borrow_mut().take());
        let message = payload_message(payload.as_ref());
        CaughtPanic {
            message,
            location: hooked.and_then(|h| h.location),
        }
    })
}

/// Drops `value` as simulated code, ignoring a panic in its destructor.
pub(crate) fn quiet_drop<T>(value: T) {
    let _ = catch(move || drop(value));
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catch_should_return_message_and_location() {
        let err = catch(|| panic!("boom {}", 7)).expect_err("must panic");
        assert_eq!(err.message, "boom 7");
        let location = err.location.expect("hook saw the location");
        assert!(location.contains("panic_hook.rs"), "{location}");
    }

    #[test]
    fn catch_should_pass_values_through() {
        assert_eq!(catch(|| 5).ok().map(|v| v + 1), Some(6));
    }

    #[test]
    fn panics_outside_the_sim_should_still_unwind_normally() {
        install();
        let r = panic::catch_unwind(|| panic!("outside"));
        assert!(r.is_err());
        assert!(!INSIDE_SIM.with(Cell::get));
    }
}
