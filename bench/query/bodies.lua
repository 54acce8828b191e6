-- wrk script: POSTs the GraphQL bodies of a file (one JSON body per line) round-robin.
-- Usage: wrk ... -s bodies.lua <url> -- <bodies file>
local bodies = {}
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  -- Each wrk thread has its own Lua state; start them at different queries.
  next_index = (math.random(#bodies) - 1) % #bodies + 1
end

function request()
  local body = bodies[next_index]
  next_index = next_index % #bodies + 1
  return wrk.format("POST", "/v1/graphql", { ["Content-Type"] = "application/json" }, body)
end
