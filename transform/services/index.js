'use strict';
// The services a running `paved` process hands to the Next.js dashboard it serves in the same process.
//
// The dashboard is compiled by Next.js into a module graph of its own, so a module-level variable in
// @paved/runtime would exist twice (once in the program, once in the dashboard's bundle). This file is
// plain CommonJS that neither the program's bundle (tools/cli/build.mjs) nor the dashboard's (a webpack
// external in dashboard/next.config.mjs) compiles in: both load this one file through Node's module cache,
// so both see the same `provided` value. A build that compiled it in would see none and every page would say
// "Paved is not running in this process" (the browser tests would fail).
// The typed side lives in @paved/runtime (tools/runtime/src/context.ts: registerRuntime / currentRuntime).

let provided = null;

/** Hands the process's services to the dashboard (called once at start-up; a later call replaces them). */
function provideServices(services) {
  if (services === null || typeof services !== 'object') throw new TypeError('provideServices needs an object of services');
  provided = services;
}

/** The services provided by the running process, or null before start-up (or in a test that provided none). */
function providedServices() {
  return provided;
}

exports.provideServices = provideServices;
exports.providedServices = providedServices;
