// The webcam as the page shows it: asked for once (the browser remembers the permission on a
// classroom laptop), shown muted in the preview. The time the first frame was shown is noted
// on the video element, so a test can say when a given frame of a fake camera appeared.

const CONSTRAINTS = {
  audio: false,
  video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15 } },
};

export async function startPreview(video) {
  const media = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
  const marked = () => {
    if (!video.dataset.firstFrameAt) video.dataset.firstFrameAt = String(Date.now());
  };
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(marked);
  else video.addEventListener("loadeddata", marked, { once: true });
  video.srcObject = media;
  return media;
}
