// The Plot module; see ../../README.md and shared/design.md.
