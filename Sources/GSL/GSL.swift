// The GSL module; see ../../README.md and shared/design.md.
