// The integration and fault-injection suites each run a whole topology; on two cores they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
