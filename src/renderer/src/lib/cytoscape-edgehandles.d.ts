// cytoscape-edgehandles ships no types: the part of its API the editor uses (README of 4.0.1).
declare module 'cytoscape-edgehandles' {
  import type cytoscape from 'cytoscape';

  export interface EdgeHandlesOptions {
    canConnect?: (source: cytoscape.NodeSingular, target: cytoscape.NodeSingular) => boolean;
    edgeParams?: (source: cytoscape.NodeSingular, target: cytoscape.NodeSingular) => Record<string, unknown>;
    hoverDelay?: number;
    snap?: boolean;
    snapThreshold?: number;
    noEdgeEventsInDraw?: boolean;
    disableBrowserGestures?: boolean;
  }

  export interface EdgeHandles {
    start(source: cytoscape.NodeSingular): void;
    stop(): void;
    enable(): void;
    disable(): void;
    enableDrawMode(): void;
    disableDrawMode(): void;
    destroy(): void;
  }

  /** Core with the extension registered. */
  export type WithEdgeHandles = cytoscape.Core & { edgehandles(options?: EdgeHandlesOptions): EdgeHandles };

  const register: cytoscape.Ext;
  export default register;
}
