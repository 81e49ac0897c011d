//! The global allocator: a linked-list heap in a static region, counting bytes in use, the high
//! watermark and the number of allocations, so the firmware can report peak heap per side.

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use embedded_alloc::LlffHeap;

/// Heap size: room for both sides of an ECDHE handshake and the C peers at once.
pub const HEAP_SIZE: usize = 256 * 1024;

/// A heap that counts what it hands out.
pub struct CountingHeap {
    heap: LlffHeap,
    current: AtomicUsize,
    peak: AtomicUsize,
    allocations: AtomicUsize,
}

impl CountingHeap {
    /// An uninitialised heap; call [`init`](Self::init) first.
    pub const fn new() -> Self {
        CountingHeap {
            heap: LlffHeap::empty(),
            current: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            allocations: AtomicUsize::new(0),
        }
    }

    /// Gives the heap its memory (a static array); call once before any allocation.
    pub fn init(&self) {
        static mut MEMORY: [u8; HEAP_SIZE] = [0; HEAP_SIZE];
        // SAFETY: called once at start-up; the region is used by nothing else.
        unsafe {
            self.heap
                .init(core::ptr::addr_of_mut!(MEMORY) as usize, HEAP_SIZE)
        }
    }

    /// Bytes allocated and not yet freed.
    pub fn current(&self) -> usize {
        self.current.load(Relaxed)
    }

    /// Highest [`current`](Self::current) since the last [`reset_peak`](Self::reset_peak).
    pub fn peak(&self) -> usize {
        self.peak.load(Relaxed)
    }

    /// Allocations made since the last reset.
    pub fn allocations(&self) -> usize {
        self.allocations.load(Relaxed)
    }

    /// Starts a new high watermark from the bytes in use now.
    pub fn reset_peak(&self) {
        self.peak.store(self.current(), Relaxed);
        self.allocations.store(0, Relaxed);
    }
}

impl Default for CountingHeap {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: delegates to LlffHeap; the counters are bookkeeping only.
unsafe impl GlobalAlloc for CountingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { self.heap.alloc(layout) };
        if !p.is_null() {
            let now = self.current.fetch_add(layout.size(), Relaxed) + layout.size();
            self.peak.fetch_max(now, Relaxed);
            self.allocations.fetch_add(1, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.current.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded; `ptr` came from `alloc` with this layout.
        unsafe { self.heap.dealloc(ptr, layout) }
    }
}
