"""recycle-info: Korean disposal guides (분리배출) served from packaged data files."""
