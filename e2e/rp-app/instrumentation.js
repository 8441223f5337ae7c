// Without a file of its own, the build of this app picks up Gatehouse's instrumentation.ts
// two levels up (the Turbopack root); this app has nothing to start.
export function register() {}
