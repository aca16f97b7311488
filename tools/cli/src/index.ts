/**
 * What other packages (benchmarks, tests) use of the paved command's modules. The command itself starts in main.ts.
 */
export { buildDashboard, dashboardBuilt, dashboardHandler } from './dashboard-app.js';
export { frontDoor } from './front-door.js';
export { progress } from './progress.js';
