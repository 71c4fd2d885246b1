// The Flows module; see ../../README.md and shared/design.md.
