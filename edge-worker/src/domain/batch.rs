//! An event batch as a client sends it to `POST /events`, parsed and validated.
