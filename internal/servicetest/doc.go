// Package servicetest builds and runs the example service for end-to-end
// tests: each instance listens on its own free port on 127.0.0.1, is waited
// for until it answers, and is stopped when the test ends.
package servicetest
