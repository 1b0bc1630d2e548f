//! Stream names and detector settings as clients give them.
