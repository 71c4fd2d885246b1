// The Theory module; see ../../README.md and shared/design.md.
