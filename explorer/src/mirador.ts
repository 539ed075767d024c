// The page opened by "open in Mirador": ?manifest=URI&canvas=URI, served with the app.
declare const Mirador: { viewer: (config: object) => unknown };

const params = new URLSearchParams(location.search);
const manifestId = params.get("manifest");
const canvasId = params.get("canvas");
Mirador.viewer({
  id: "mirador",
  windows: manifestId ? [{ manifestId, canvasId: canvasId ?? undefined, thumbnailNavigationPosition: "far-bottom" }] : [],
  window: { allowClose: false },
  workspaceControlPanel: { enabled: false },
});
