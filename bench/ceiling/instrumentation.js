// Without a file of its own, the build of this app picks up Gatehouse's instrumentation.ts
// two levels up (the Turbopack root); this one does nothing, as a bare app would.
export function register() {}
