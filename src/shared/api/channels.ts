/** The one IPC channel the protocol travels on, in both directions. */
export const API_CHANNEL = 'cwb:api';
