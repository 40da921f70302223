// Typed errors thrown by the tlt library. Only the executable decides exit codes (see apps/main.cpp).
//
// Every message names what failed, the offending value and what to do next, so that a user can act on
// the one line that the command prints.
#pragma once

#include <stdexcept>
#include <string>

namespace tlt {

/// Base class of every error that tlt reports to a user.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An invalid configuration key, value or command-line option (exit code 2).
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A missing, unreadable or malformed data file or corpus (exit code 3).
class DataError : public Error {
 public:
  using Error::Error;
};

/// A checkpoint, mask or direction file that cannot be read or does not fit the model (exit code 3).
class CheckpointError : public Error {
 public:
  using Error::Error;
};

/// A tensor whose shape does not match what a module expects (exit code 1: a bug or a misuse of the API).
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// A multi-process rendezvous or collective that failed or timed out (exit code 4).
class DistributedError : public Error {
 public:
  using Error::Error;
};

/// A run stopped by SIGINT or SIGTERM after its last complete state was saved (exit code 130).
class Interrupted : public Error {
 public:
  using Error::Error;
};

/// Returns strerror(errno) for messages about failed file operations.
std::string system_error_text();

}  // namespace tlt
