"""The pages people use: plain HTML, CSS and JavaScript served by the service, no build step.

Pages are shells: they hold no data and no token. Their scripts read and change everything
through the REST API and the WebSocket, signed in by the HttpOnly session cookie that scripts
cannot read.
"""
