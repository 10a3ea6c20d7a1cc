// Fault tests push descriptors, ports and both cores hard; run them one at a time so they never starve each other
// (a starved test would only ever fail its hang guard, but it would slow the whole run down).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
