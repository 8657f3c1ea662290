// placeholder until helper 1 writes the real map
export const PROJECT_VERSIONS = {} as const;
