// Activity listeners are process-wide: tests that watch TokenTrace's spans must not see each other's.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
