-- wrk script: every request creates a new group, with a body of the shape
-- groupimport sends. The Authorization header comes as the script's
-- argument: wrk -s post.lua URL -- "Basic ...".
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  auth = args[1]
  n = 0
  path = wrk.path
end

function request()
  n = n + 1
  local id = "w" .. tid .. "-" .. n
  local body = '{"externalId":"' .. id .. '","groupName":"Fleet ' .. n .. '","maxGroupSize":' .. (100 + n % 900) .. '}'
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["Authorization"] = auth}, body)
end
