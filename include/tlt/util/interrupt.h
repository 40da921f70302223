// Cooperative handling of SIGINT and SIGTERM: long loops poll interrupt_requested() at safe points,
// save what is complete and throw tlt::Interrupted, which the executable turns into exit code 130.
#pragma once

namespace tlt {

/// Installs handlers for SIGINT and SIGTERM that set a flag. A second signal exits at once.
void install_interrupt_handlers();

/// Returns true once SIGINT or SIGTERM has arrived.
bool interrupt_requested();

/// Throws tlt::Interrupted with `where` in the message if a signal has arrived.
void throw_if_interrupted(const char* where);

}  // namespace tlt
