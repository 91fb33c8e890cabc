"""HTTP plumbing every route stands on: who is asking (`auth`), what an operation declares
(`operations`), how bodies are read (`bodies`), how errors look (`errors`), request ids, rate
limits, the OpenAPI document built from the declarations, and the services container handlers
receive. Resources (`web.api`) and pages (`web.pages`) sit side by side above it."""
