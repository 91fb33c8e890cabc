"""Browser cameras over WebRTC (aiortc): answering offers and receiving their video."""
