//! The browser side of a task's progress socket (`netWssUrl`): opens it as given (we never add
//! the key or anything else to it; through a relay, its query goes in the first frame, see
//! [`SocketUrl::hello`]), hands each text frame to a callback, says when it has ended, and
//! closes it when dropped. What the frames mean is [`crate::lifecycle::progress`]'s
//! business; binary frames (ComfyUI's previews) are dropped unread.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

use super::types::SocketUrl;

/// An open (or opening) socket; closed and silenced when dropped.
pub struct ProgressSocket {
    socket: WebSocket,
    ended: Rc<Cell<bool>>,
    // Held so the browser can call them while the socket lives.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_end: Closure<dyn FnMut(web_sys::Event)>,
    _on_open: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl ProgressSocket {
    /// Opens `url`. `None` when the browser refuses to (a bad URL, or the page's
    /// Content-Security-Policy does not allow that host): polling then carries on alone.
    pub fn open(url: &SocketUrl, mut on_text: impl FnMut(&str) + 'static) -> Option<Self> {
        let socket = WebSocket::new(url.expose()).ok()?;
        let ended = Rc::new(Cell::new(false));
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(text) = event.data().as_string() {
                on_text(&text);
            }
        });
        let on_end = {
            let ended = ended.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| ended.set(true))
        };
        // Through a relay: the query (with RunningHub's signed token) as the first frame.
        let on_open = url.hello().map(|hello| {
            let (socket, hello) = (socket.clone(), hello.to_owned());
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                let _ = socket.send_with_str(&hello);
            })
        });
        socket.set_onopen(on_open.as_ref().map(|f| f.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_end.as_ref().unchecked_ref()));
        socket.set_onerror(Some(on_end.as_ref().unchecked_ref()));
        Some(ProgressSocket {
            socket,
            ended,
            _on_message: on_message,
            _on_end: on_end,
            _on_open: on_open,
        })
    }

    /// True once the socket closed or failed (it is not opened again: make a new one).
    pub fn ended(&self) -> bool {
        self.ended.get()
    }
}

impl Drop for ProgressSocket {
    fn drop(&mut self) {
        // Silenced before the closures go, so the browser never calls a freed one.
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
        let _ = self.socket.close();
    }
}
