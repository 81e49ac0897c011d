//! The record layer: epochs, sequence numbers, sealing and opening, replay protection.
