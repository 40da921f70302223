#include "tlt/util/error.h"

#include <cerrno>
#include <cstring>

namespace tlt {

std::string system_error_text() { return std::strerror(errno); }

}  // namespace tlt
