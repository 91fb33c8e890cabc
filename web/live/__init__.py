"""The live part of the service: cameras -> presence engine -> attendance, and the change feed
-> gallery, class contexts, cameras and the WebSocket hub (see runtime.LiveRuntime)."""
