// Package appframes decides which stack frames are the application's own,
// by one rule for every event supportkit makes: in-process errors and
// panics, log events and fatal crashes read by the crash monitor, built
// with or without -trimpath. Sentry highlights in-app frames and groups by
// them; supportkit names the fingerprint after the first of them.
//
// The rule works on the fully qualified function name, which -trimpath
// does not change (file paths it does):
//
//   - package main is the application's;
//   - so are the packages under a prefix the application configured;
//   - the standard library (a first path element without a dot) is not;
//   - supportkit's own packages are not (they wrap the handler: middleware,
//     not the failure);
//   - the main module's packages (from the binary's build information)
//     are; every other module is a dependency and is not.
package appframes
