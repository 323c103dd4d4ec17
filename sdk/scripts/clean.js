// Removes the previous build so that files deleted from src do not linger in the package.
const fs = require("fs");
const path = require("path");

fs.rmSync(path.join(__dirname, "..", "dist"), { recursive: true, force: true });
