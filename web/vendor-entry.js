// The one vendor module the app imports (by relative URL, so no import map and no CSP hash):
// Preact, its hooks, signals, htm bound to Preact, and uPlot. build.mjs bundles it with esbuild.
import { h, render, Fragment } from 'preact';
import htm from 'htm';

export { h, render, Fragment };
export { useState, useEffect, useRef, useMemo, useCallback } from 'preact/hooks';
export { signal, computed, effect, batch } from '@preact/signals';
export { default as uPlot } from 'uplot';
export const html = htm.bind(h);
