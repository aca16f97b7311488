/** Hands the process's services to the dashboard (called once at start-up; a later call replaces them). */
export declare function provideServices(services: object): void;
/** The services provided by the running process, or null before start-up. */
export declare function providedServices(): object | null;
