// The Particles module; see ../../README.md and shared/design.md.
