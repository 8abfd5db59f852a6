/** Simulated phone profiles: the shipped JSON files, their schema, the loader and `phonehome profiles`. */
export { loadProfile, validateProfile, listProfiles, profilesDir, reservedPackages } from './loadProfile.js';
export { profilesCommand } from './profilesCommand.js';
