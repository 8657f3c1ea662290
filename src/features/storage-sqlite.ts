/** SQLite, the embedded default: one file at SQLITE_PATH, opened through better-sqlite3 (templates/storage-sqlite). */
import type { Feature } from './types.js';

export const sqliteFeature: Feature = {
  id: 'sqlite',
  templateDir: 'storage-sqlite',
  applies: (spec) => spec.storage === 'sqlite',
  contributions: (spec) => ({
    dependencies: ['better-sqlite3'],
    devDependencies: ['@types/better-sqlite3'],
    // A native addon. 12.x (Node 20 column): its install script fetches a prebuilt binary or compiles it.
    // 13.x (Node >= 22): the binaries are in the package and nothing runs at install (src/project-versions.ts).
    nativeBuilds: spec.nodeFloor === 20 ? ['better-sqlite3'] : [],
    config: {
      key: 'sqlite',
      module: 'sqlite',
      parse: 'parseSqliteConfig',
      type: 'SqliteConfig',
      doc: 'The SQLite database file (SQLITE_PATH).',
      // The data file: FILES_ROOT may never contain it.
      sensitivePaths: "[['SQLITE_PATH', s.path]]",
    },
    resource: {
      key: 'storage',
      module: 'storage/sqlite',
      open: 'openSqliteStorage',
      args: 'config.sqlite, logger',
      type: 'Storage',
      typeModule: 'storage/storage',
      doc: 'The database: SQLite at SQLITE_PATH, migrated before the server serves.',
      prepare: 'migrate',
      close: 'close',
    },
    env: [
      {
        comment: [
          'The SQLite database file (its folder is created 0700, the file 0600). Several processes of this',
          'project may use it at once. No folder a tool exposes may contain it.',
        ],
        variables: [
          { name: 'SQLITE_PATH', meaning: 'the SQLite database file (folder created 0700, file 0600); a symlink there, or a folder a tool exposes that contains it, stops the server', default: '`./data/app.db`', example: './data/app.db' },
        ],
      },
    ],
    gitignore: ['# The SQLite database (data, never committed)', 'data/'],
    dockerignore: ['# The SQLite database (mounted at run time, never baked into the image)', 'data'],
    testEnv: {
      imports: ["import path from 'node:path';"],
      perServer: ["SQLITE_PATH: path.join(dir, 'data', 'app.db')"],
    },
    slots: [
      {
        file: 'Dockerfile',
        slot: 'runtime-dirs',
        content: ['# data/ holds the SQLite database (SQLITE_PATH): mount a volume there; the server writes it.', 'RUN mkdir -p data \\', ' && chown node:node data \\', ' && chmod 700 data'].join('\n'),
      },
      {
        file: 'Dockerfile',
        slot: 'mounts',
        content: [
          '# The SQLite database lives in data/: mount a volume or folder there, e.g. -v "$PWD/data:/app/data".',
          ...(spec.nodeFloor === 20
            ? ['# better-sqlite3 fetches its prebuilt binary during the install (from GitHub); where it cannot, add', '# python3, make and g++ to both stages so it can compile.']
            : ['# better-sqlite3 ships its binary for linux x64/arm64 (glibc and musl) in the npm package: nothing', '# is downloaded or compiled at install. Another architecture has no binary: see the better-sqlite3 docs.']),
        ].join('\n'),
      },
    ],
  }),
};
