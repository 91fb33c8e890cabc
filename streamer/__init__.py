"""Video in: cameras (WebRTC, RTSP, files) to newest-frame slots."""
